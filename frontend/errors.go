package frontend

import (
	"errors"
	"fmt"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"

	"github.com/gopherfile/gopherfile/frontend/gomod"
	"github.com/gopherfile/gopherfile/frontend/plan"
	"github.com/gopherfile/gopherfile/frontend/spec"
)

func lineRange(line int) []*pb.Range {
	if line < 1 {
		line = 1
	}
	return []*pb.Range{{Start: &pb.Position{Line: int32(line)}, End: &pb.Position{Line: int32(line)}}}
}

// sourceError attaches the Gopherfile and the line to err, so that buildx and the
// CLI print the line under the message.
func sourceError(err error, sm *llb.SourceMap, line int) error {
	if sm == nil {
		return err
	}
	info := &pb.SourceInfo{Filename: sm.Filename, Data: sm.Data, Language: sm.Language}
	if sm.Definition != nil {
		info.Definition = sm.Definition.ToPB()
	}
	return errdefs.WithSource(err, &errdefs.Source{Info: info, Ranges: lineRange(line)})
}

// withSpecSource turns a spec.Error into an error that carries its line.
func withSpecSource(err error, sm *llb.SourceMap) error {
	var se *spec.Error
	if errors.As(err, &se) {
		return sourceError(err, sm, se.Pos.Line)
	}
	return err
}

// fieldError is an error about a spec field (or about the context, reported at
// that field's line, or line 1 when the field is not written).
func (b *build) fieldError(field string, err error) error {
	pos := b.pos.Of(field)
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
	if have == "" || p == nil {
		return nil
	}
	if p.Tidy && (p.Target == plan.TargetImage || p.Target == plan.TargetBinaries) && gomod.Compare(have, plan.MinTidyGo) < 0 {
		field := "tidy"
		if _, ok := b.pos[field]; !ok {
			field = b.goField()
		}
		return b.fieldError(field, fmt.Errorf(
			"the tidy check runs `go mod tidy -diff`, which Go %s added, but the builder %s has Go %s (chosen by %s): "+
				"use a builder with Go %s or newer (remove go:/builder: to get golang:%s), or set tidy: off",
			plan.MinTidyGo, p.Builder, have, p.BuilderReason, plan.MinTidyGo, plan.NewestGo()))
	}
	if p.RequiredGo == "" {
		return nil
	}
	if s, ok := p.Downloads.Setting("GOTOOLCHAIN"); ok && s.Value != "local" {
		return nil // the go command may switch toolchains
	}
	if gomod.Compare(have, p.RequiredGo) >= 0 {
		return nil
	}
	return b.fieldError(b.goField(), fmt.Errorf(
		"go.mod requires go >= %s, but the builder image %s has go %s (catalogue row 12, Go too old in the builder; chosen by %s): "+
			"use a builder matching go.mod (remove go:/builder: from the Gopherfile to follow go.mod, or set go: %q), or --build-arg GO_VERSION=%s",
		p.RequiredGo, p.Builder, have, p.BuilderReason, gomod.MajorMinor(p.RequiredGo), gomod.MajorMinor(p.RequiredGo)))
}

// goField is the Gopherfile field an error about the builder's Go points at.
func (b *build) goField() string {
	for _, f := range []string{"go", "builder"} {
		if _, ok := b.pos[f]; ok {
			return f
		}
	}
	return "version"
}
