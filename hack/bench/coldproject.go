package main

import "context"

// coldProject is the coldproject scenario for p: each competitor starts
// from empty caches, builds the other project (not measured), then p on
// the same builder (or, for host and ko, with the same GOCACHE and
// GOMODCACHE): what a CI runner or a shared builder that keeps its state
// gives a project it has not seen.
func (b *bench) coldProject(ctx context.Context, p *prepared, round int) error {
	if !b.scens["coldproject"] || b.other == nil || b.other.Name == p.Name {
		return nil
	}
	for _, k := range order(b.selected(p, "host", "ko", "bp", "gf"), round) {
		c := competitorByKey(k)
		if err := p.resetSrc(); err != nil {
			return err
		}
		if err := b.makeCold(ctx, p, c); err != nil {
			return err
		}
		if err := b.other.resetSrc(); err != nil {
			return err
		}
		other := b.build(ctx, buildReq{p: b.other, c: c, addr: b.addr(c), name: "otherproject", cachesOf: p})
		if other.err != nil {
			b.logf("%s r%d coldproject %s: building %s first failed: %v", p.Name, round+1, c.Key, b.other.Name, other.err)
		}
		b.measure(ctx, "coldproject", round, buildReq{p: p, c: c, addr: b.addr(c), name: "coldproject"})
	}
	return nil
}
