package operator

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/quiverdb/quiver/errs"
)

func TestBudget(t *testing.T) {
	b := NewBudget(100)
	if err := b.Reserve(60); err != nil {
		t.Fatal(err)
	}
	err := b.Reserve(50)
	if !errors.Is(err, errs.ErrResourceExhausted) || !strings.Contains(err.Error(), "100") {
		t.Fatalf("want ErrResourceExhausted naming the limit, got %v", err)
	}
	if b.Used() != 60 {
		t.Fatalf("a failed Reserve claimed memory: used %d", b.Used())
	}
	b.Release(60)
	if err := b.Reserve(100); err != nil {
		t.Fatal(err)
	}
	b.Release(100)

	// Unlimited budgets and nil budgets never refuse.
	var nilBudget *Budget
	if err := nilBudget.Reserve(1 << 60); err != nil {
		t.Fatal(err)
	}
	nilBudget.Release(1 << 60)
	if err := NewBudget(0).Reserve(1 << 60); err != nil {
		t.Fatal(err)
	}

	// Concurrent reservations never exceed the limit.
	b = NewBudget(1000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				if b.Reserve(7) == nil {
					mu.Lock()
					granted++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if granted != 1000/7 || b.Used() != int64(granted*7) {
		t.Fatalf("granted %d (used %d), want %d", granted, b.Used(), 1000/7)
	}
}

func TestReservationReleasesAll(t *testing.T) {
	b := NewBudget(100)
	r := reservation{budget: b, op: "test"}
	if err := r.grow(40); err != nil {
		t.Fatal(err)
	}
	if err := r.grow(-10); err != nil {
		t.Fatal(err)
	}
	if err := r.grow(80); !errors.Is(err, errs.ErrResourceExhausted) || !strings.Contains(err.Error(), "test") {
		t.Fatalf("want ErrResourceExhausted naming the operator, got %v", err)
	}
	r.releaseAll()
	if b.Used() != 0 || r.held != 0 {
		t.Fatalf("used %d held %d after releaseAll", b.Used(), r.held)
	}
}
