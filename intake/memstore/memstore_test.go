package memstore_test

import (
	"testing"

	"tarazy/intake"
	"tarazy/intake/intaketest"
	"tarazy/intake/memstore"
)

func TestContract(t *testing.T) {
	intaketest.RunRepositoryContract(t, func(t *testing.T) intake.Repository { return memstore.New() })
}
