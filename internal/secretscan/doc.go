// Package secretscan finds plaintext keyauth keys in text: log output,
// error strings, panic messages, HTTP bodies. Tests route what the module
// writes through a [Recorder] (an io.Writer; [Logger] makes a slog.Logger
// of one) and fail on any [Finding].
//
// A finding is anything shaped like a key of any prefix
// ([a-z][a-z0-9]{0,7}_<12 base62>_<38 base62>), whether or not its
// checksum is valid: a mangled key is still a leak. [Finding.Valid] tells
// the two apart, the way a secret scanner validates a match offline.
// Findings never hold the key itself, only where it was and its public
// display prefix, so that reporting a leak does not repeat it.
//
// The package is internal: it serves this module's tests.
package secretscan
