package memstore_test

import (
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/memstore"
	"github.com/driive/keyauth/store/storetest"
)

func TestConformance(t *testing.T) {
	for _, tt := range []struct {
		desc     string
		newStore func(t *testing.T) apikey.Store
	}{
		{"New", func(t *testing.T) apikey.Store { return memstore.New() }},
		{"zero value", func(t *testing.T) apikey.Store { return new(memstore.Store) }},
	} {
		t.Run(tt.desc, func(t *testing.T) { storetest.Run(t, tt.newStore) })
	}
}
