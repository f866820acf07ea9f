package frontend

import (
	"errors"
	"fmt"
	"go/version"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/grpcerrors"

	"github.com/gopherfile/gopherfile/internal/gomod"
	"github.com/gopherfile/gopherfile/internal/plan"
	"github.com/gopherfile/gopherfile/internal/spec"
)

func lineRange(line int) []*pb.Range {
	return lineRanges([]int{line})
}

// lineRanges is one source range per line, in order, each once.
func lineRanges(lines []int) []*pb.Range {
	var out []*pb.Range
	seen := map[int]bool{}
	for _, line := range lines {
		if line < 1 {
			line = 1
		}
		if seen[line] {
			continue
		}
		seen[line] = true
		out = append(out, &pb.Range{Start: &pb.Position{Line: int32(line)}, End: &pb.Position{Line: int32(line)}})
	}
	return out
}

// sourceError attaches the Gopherfile and the lines to err, so that buildx and
// the CLI print those lines under the message.
func sourceError(err error, sm *llb.SourceMap, lines ...int) error {
	if sm == nil {
		return err
	}
	info := &pb.SourceInfo{Filename: sm.Filename, Data: sm.Data, Language: sm.Language}
	if sm.Definition != nil {
		info.Definition = sm.Definition.ToPB()
	}
	return errdefs.WithSource(err, &errdefs.Source{Info: info, Ranges: lineRanges(lines)})
}

// withSpecSource turns the spec.Error values of err into an error that
// carries all their lines.
func withSpecSource(err error, sm *llb.SourceMap) error {
	errs := spec.Errors(err)
	if len(errs) == 0 {
		return err
	}
	lines := make([]int, len(errs))
	for i, e := range errs {
		lines[i] = e.Pos.Line
	}
	return sourceError(err, sm, lines...)
}

// fieldError is an error about a spec field (or about the context, reported at
// that field's line, or line 1 when the field is not written).
func (b *build) fieldError(field string, err error) error {
	pos := b.pos.Of(field)
	// BuildKit sends an error that wraps a gRPC status (an image that does not
	// resolve) with the status's own message, dropping the context around it:
	// keep the whole text instead.
	if st, ok := grpcerrors.AsGRPCStatus(err); ok && st != nil {
		err = errors.New(err.Error())
	}
	return sourceError(fmt.Errorf("Gopherfile line %d: %w", pos.Line, err), b.src.SourceMap, pos.Line)
}

func (b *build) planError(err error) error {
	var pe *plan.Error
	if errors.As(err, &pe) {
		return b.fieldError(pe.Field, errors.New(pe.Msg))
	}
	return err
}

// checkGoVersion fails early when go.mod needs a newer Go than the builder has
// (catalogue row 12), instead of letting go fail inside the download step.
func (b *build) checkGoVersion(builder *imageConfig) error {
	have := builderGoVersion(builder)
	p := b.plan
	if p != nil && p.Toolchain != nil {
		have = p.Toolchain.GoVersion
	}
	if have == "" || p == nil {
		return nil
	}
	if p.Tidy && (p.Target == plan.TargetImage || p.Target == plan.TargetBinaries) && gomod.Compare(have, plan.MinTidyGo) < 0 {
		field := b.pos.First(append([]string{"tidy"}, spec.GoFields...)...)
		return b.fieldError(field, fmt.Errorf(
			"the tidy check runs `go mod tidy -diff`, which Go %s added, but the go steps have Go %s (%s, chosen by %s): "+
				"use Go %s or newer (remove go:/builder: to follow go.mod), or set tidy: off",
			plan.MinTidyGo, have, b.runnerName(), p.BuilderReason, plan.MinTidyGo))
	}
	if p.RequiredGo == "" {
		return nil
	}
	if s, ok := p.Downloads.Setting("GOTOOLCHAIN"); ok && s.Value != "local" {
		return nil // the go command may switch toolchains
	}
	if version.Compare("go"+have, "go"+p.RequiredGo) >= 0 {
		return nil
	}
	return b.fieldError(b.goField(), fmt.Errorf(
		"go.mod requires go >= %s, but the go steps have go %s (%s; catalogue row 12, Go too old in the builder; chosen by %s): "+
			"use a builder matching go.mod (remove go:/builder: from the Gopherfile to follow go.mod, or set go: %q), or --build-arg GO_VERSION=%s",
		p.RequiredGo, have, b.runnerName(), p.BuilderReason, gomod.MajorMinor(p.RequiredGo), gomod.MajorMinor(p.RequiredGo)))
}

// runnerName says where the go steps run, for messages.
func (b *build) runnerName() string {
	if p := b.plan; p.Toolchain != nil {
		return "the toolchain from the module proxy"
	}
	return "the builder image " + b.plan.Builder
}

// goField is the Gopherfile field an error about the builder's Go points at.
func (b *build) goField() string { return b.pos.First(spec.GoFields...) }
