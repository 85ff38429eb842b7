// Package keytest builds key texts for this module's tests and internal
// tools: keys with a valid checksum that no Service minted, and the
// near-misses that tests throw at the format check (another secret, a
// wrong checksum). [Text] finds key-shaped text of any prefix, for leak
// checks. [Clock] is a fake clock for Config.Now.
//
// It imports apikey, so apikey's black-box tests (package apikey_test)
// can use it and its internal tests cannot. Library code must not import
// it, and neither may the examples: they stay copyable out of this module
// and use apikey's public API (apikey.Pattern, apikey.PatternFor,
// apikey.Checksum) instead.
package keytest
