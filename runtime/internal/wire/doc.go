// Package wire encodes and decodes the flatbuffer messages that a shmrun
// master and its workers exchange over their rings: Hello, Task and Result,
// each wrapped in an Envelope (see wire.fbs; the generated code sits beside
// it and is refreshed by `make generate`).
//
// Bytes read from a ring come from another process and are untrusted. The
// Go flatbuffers library has no verifier, so Decode first checks every
// offset, vtable and vector that its accessors will follow; a malformed
// message is an error, never a panic or an out-of-bounds read.
//
// Encoding and decoding allocate nothing in steady state: an Encoder reuses
// its builder, and decoded byte fields alias the input.
package wire

// Protocol is the version of the message protocol. A worker reports it in
// Hello and the master refuses a worker that speaks another.
const Protocol = 1
