package memstore_test

import (
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/memstore"
	"github.com/driive/keyauth/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) apikey.Store { return memstore.New() })
}
