package operator

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestU64MapMatchesGoMap drives u64Map and a Go map with the same
// operations (put, getOrPut, get) over dense, sparse and adversarially
// structured keys (multiples of 2^40, extremes) through several resizes.
func TestU64MapMatchesGoMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	keyGens := map[string]func() uint64{
		"dense":      func() uint64 { return uint64(rng.IntN(5000)) },
		"sparse":     func() uint64 { return rng.Uint64() },
		"shifted":    func() uint64 { return uint64(rng.IntN(3000)) << 40 },
		"extremes":   func() uint64 { return []uint64{0, math.MaxUint64, 1 << 63, 1}[rng.IntN(4)] },
		"negatives":  func() uint64 { return uint64(-int64(rng.IntN(2000))) },
		"float bits": func() uint64 { return math.Float64bits(float64(rng.IntN(1000)) / 4) },
	}
	for name, gen := range keyGens {
		t.Run(name, func(t *testing.T) {
			m, ref := newU64Map(), map[uint64]int32{}
			for i := 0; i < 20000; i++ {
				k, v := gen(), int32(rng.IntN(math.MaxInt32-1))
				switch rng.IntN(3) {
				case 0:
					prev, had := m.put(k, v)
					want, wantHad := ref[k]
					if had != wantHad || (had && prev != want) {
						t.Fatalf("put(%d): (%d, %v), want (%d, %v)", k, prev, had, want, wantHad)
					}
					ref[k] = v
				case 1:
					got, had := m.getOrPut(k, v)
					want, wantHad := ref[k]
					if !wantHad {
						want = v
						ref[k] = v
					}
					if had != wantHad || got != want {
						t.Fatalf("getOrPut(%d): (%d, %v), want (%d, %v)", k, got, had, want, wantHad)
					}
				default:
					got, had := m.get(k)
					want, wantHad := ref[k]
					if had != wantHad || got != want {
						t.Fatalf("get(%d): (%d, %v), want (%d, %v)", k, got, had, want, wantHad)
					}
				}
				if m.len() != len(ref) {
					t.Fatalf("len %d, want %d", m.len(), len(ref))
				}
			}
			for k, want := range ref {
				if got, ok := m.get(k); !ok || got != want {
					t.Fatalf("final get(%d) = (%d, %v), want %d", k, got, ok, want)
				}
			}
		})
	}
}

func BenchmarkU64Map(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 21} {
		keys := make([]uint64, n)
		rng := rand.New(rand.NewPCG(1, 1))
		for i := range keys {
			keys[i] = uint64(rng.IntN(4 * n))
		}
		b.Run("u64Map/"+itoa(n), func(b *testing.B) {
			for b.Loop() {
				m := newU64Map()
				for i, k := range keys {
					m.getOrPut(k, int32(i))
				}
				for _, k := range keys {
					m.get(k)
				}
			}
		})
		b.Run("gomap/"+itoa(n), func(b *testing.B) {
			for b.Loop() {
				m := map[uint64]int32{}
				for i, k := range keys {
					if _, ok := m[k]; !ok {
						m[k] = int32(i)
					}
				}
				for _, k := range keys {
					_ = m[k]
				}
			}
		})
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
