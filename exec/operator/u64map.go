package operator

import (
	"math/bits"
	"math/rand/v2"
)

// u64Map is an open-addressing hash table from uint64 keys to non-negative
// int32 values, for the grouping and join tables of one fixed-width key.
//
// Why not a Go map: a probe here is one multiply-xor hash and, for large
// tables, usually one cache line (key and value sit together in a 16-byte
// slot, and linear probing walks neighbouring slots); the runtime map pays
// a call, a control-word match and a second line for the slot. On TPC-H
// SF1 joins and GROUP BY l_orderkey the map's probing was the largest
// single cost.
//
// Keys are mixed with a per-table random seed, so inputs cannot be
// crafted offline to collide. The zero value is not ready: use newU64Map.
// Not safe for concurrent use.
type u64Map struct {
	slots []u64Slot // len is a power of two
	n     int       // occupied slots
	shift uint      // 64 - log2(len(slots))
	seed  uint64
}

// u64Slot holds a key and its value + 1; val == 0 marks an empty slot.
type u64Slot struct {
	key uint64
	val int32
}

const u64MapMinSlots = 16

func newU64Map() *u64Map {
	m := &u64Map{seed: rand.Uint64()}
	m.resize(u64MapMinSlots)
	return m
}

func (m *u64Map) resize(size int) {
	old := m.slots
	m.slots = make([]u64Slot, size)
	m.shift = uint(64 - bits.TrailingZeros(uint(size)))
	m.n = 0
	for _, s := range old {
		if s.val != 0 {
			m.insertNew(s.key, s.val)
		}
	}
}

// slot returns the home slot of k: the top bits of a mixed key (a
// murmur3-style finalizer of k + seed).
func (m *u64Map) slot(k uint64) uint64 {
	k += m.seed
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k >> m.shift
}

// insertNew places a key known to be absent (val is value + 1).
func (m *u64Map) insertNew(k uint64, val int32) {
	*m.probe(k) = u64Slot{key: k, val: val}
	m.n++
}

// probe returns the slot holding k, or the empty slot where k belongs.
func (m *u64Map) probe(k uint64) *u64Slot {
	mask := uint64(len(m.slots) - 1)
	for i := m.slot(k); ; i = (i + 1) & mask {
		if s := &m.slots[i]; s.val == 0 || s.key == k {
			return s
		}
	}
}

// get returns k's value and whether k is present.
func (m *u64Map) get(k uint64) (int32, bool) {
	if s := m.probe(k); s.val != 0 {
		return s.val - 1, true
	}
	return 0, false
}

// put sets k's value to v (v >= 0) and returns the previous value and
// whether there was one.
func (m *u64Map) put(k uint64, v int32) (int32, bool) {
	s := m.probe(k)
	if s.val != 0 {
		prev := s.val - 1
		s.val = v + 1
		return prev, true
	}
	s.key, s.val = k, v+1
	m.n++
	m.grow()
	return 0, false
}

// getOrPut returns k's value, or stores v for an absent k and returns
// (v, false).
func (m *u64Map) getOrPut(k uint64, v int32) (int32, bool) {
	s := m.probe(k)
	if s.val != 0 {
		return s.val - 1, true
	}
	s.key, s.val = k, v+1
	m.n++
	m.grow()
	return v, false
}

// grow doubles the table once it is three quarters full.
func (m *u64Map) grow() {
	if 4*m.n >= 3*len(m.slots) {
		m.resize(2 * len(m.slots))
	}
}

// len returns the number of keys.
func (m *u64Map) len() int { return m.n }

// bytes returns the memory the slots hold.
func (m *u64Map) bytes() int64 { return 16 * int64(len(m.slots)) }
