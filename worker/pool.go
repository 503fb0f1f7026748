package worker

import (
	"context"
	"iter"
	"sync"
)

// Each calls do for every item on at most n goroutines (n < 1: one) and hands each
// result to emit, when emit is not nil, in the items' order and on the caller's
// goroutine, so that output does not depend on the number of goroutines. At most 2n
// items are in flight or waiting to be emitted, however long items runs (a hot
// folder never ends). The first error of do or emit stops the rest and is returned;
// so is ctx's error when ctx ends first.
//
// It is the one pool of the project: the worker's reading, `tarazy scan` and
// `calibrate`, the demo's scanning and `tarazy load`'s uploads all go through it.
func Each[T, R any](ctx context.Context, n int, items iter.Seq[T], do func(context.Context, T) (R, error), emit func(T, R) error) error {
	n = max(n, 1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type job struct {
		i    int
		item T
	}
	type result struct {
		job
		out R
	}
	jobs := make(chan job)
	results := make(chan result, n)
	slots := make(chan struct{}, 2*n) // bounds items in flight or waiting for emit
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for j := range jobs {
				out, err := do(ctx, j.item)
				if err != nil {
					cancel(err)
					return
				}
				select {
				case results <- result{j, out}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		i := 0
		for it := range items {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{i, it}:
				i++
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	pending := map[int]result{}
	next := 0
	for res := range results {
		pending[res.i] = res
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if emit != nil && ctx.Err() == nil {
				if err := emit(r.item, r.out); err != nil {
					cancel(err)
				}
			}
			<-slots
		}
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// Chan is the items received from a channel until it closes, for Each.
func Chan[T any](c <-chan T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for v := range c {
			if !yield(v) {
				return
			}
		}
	}
}
