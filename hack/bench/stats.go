package main

import "sort"

// stat is the summary of one cell: subject × scenario × competitor.
type stat struct {
	Subject    string  `json:"subject"`
	Scenario   string  `json:"scenario"`
	Competitor string  `json:"competitor"`
	N          int     `json:"n"`
	Failed     int     `json:"failed"`
	Median     float64 `json:"median"`
	Min        float64 `json:"min"`
	Max        float64 `json:"max"`
	ImageBytes int64   `json:"imageBytes,omitempty"`
	// PulledBytes is the median of what the builds downloaded; Pulled
	// names what, for the first run that pulled anything.
	PulledBytes int64              `json:"pulledBytes,omitempty"`
	Pulled      []string           `json:"pulled,omitempty"`
	PlatBytes   map[string]int64   `json:"platformBytes,omitempty"`
	Phases      map[string]float64 `json:"phases,omitempty"`
	Error       string             `json:"error,omitempty"`
}

// median of v (the mean of the middle two for an even count), 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// stats summarizes the records per cell, in the order the cells first ran.
func (b *bench) stats() []stat {
	type key struct{ s, sc, c string }
	groups := map[key][]record{}
	var keys []key
	for _, r := range b.records {
		k := key{r.Subject, r.Scenario, r.Competitor}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out []stat
	for _, k := range keys {
		rs := groups[k]
		st := stat{Subject: k.s, Scenario: k.sc, Competitor: k.c}
		var secs, imgs, pulled []float64
		phases := map[string][]float64{}
		for _, r := range rs {
			if !r.OK {
				st.Failed++
				if st.Error == "" {
					st.Error = r.Error
				}
				continue
			}
			st.N++
			secs = append(secs, r.Seconds)
			if r.ImageBytes > 0 {
				imgs = append(imgs, float64(r.ImageBytes))
			}
			if r.PlatBytes != nil {
				st.PlatBytes = r.PlatBytes
			}
			pulled = append(pulled, float64(r.PulledBytes))
			if len(st.Pulled) == 0 {
				st.Pulled = r.Pulled
			}
			for ph, v := range r.Phases {
				phases[ph] = append(phases[ph], v)
			}
		}
		if len(secs) > 0 {
			st.Median = median(secs)
			st.Min, st.Max = secs[0], secs[0]
			for _, v := range secs {
				st.Min = min(st.Min, v)
				st.Max = max(st.Max, v)
			}
		}
		st.ImageBytes = int64(median(imgs))
		st.PulledBytes = int64(median(pulled))
		if len(phases) > 0 {
			st.Phases = map[string]float64{}
			for ph, v := range phases {
				// Phases a run did not have count as 0.
				for len(v) < len(secs) {
					v = append(v, 0)
				}
				st.Phases[ph] = median(v)
			}
		}
		out = append(out, st)
	}
	return out
}

// findStat returns the cell subj × scen × comp, or nil if it did not run.
func findStat(stats []stat, subj, scen, comp string) *stat {
	for i := range stats {
		if stats[i].Subject == subj && stats[i].Scenario == scen && stats[i].Competitor == comp {
			return &stats[i]
		}
	}
	return nil
}

// columns of the tables, in order, limited to what ran.
func (b *bench) columns(stats []stat, subj string) []competitor {
	var out []competitor
	for _, c := range competitors {
		for _, s := range stats {
			if s.Subject == subj && s.Competitor == c.Key {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// scenarioRows are the scenarios that ran on subj, in order.
func (b *bench) scenarioRows(stats []stat, subj string) []scenario {
	var out []scenario
	for _, sc := range scenarios {
		for _, s := range stats {
			if s.Subject == subj && s.Scenario == sc.Key {
				out = append(out, sc)
				break
			}
		}
	}
	return out
}
