package results

import "errors"

func errAs[T error](err error, target *T) bool { return err != nil && errors.As(err, target) }
