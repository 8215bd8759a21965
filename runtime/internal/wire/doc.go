// Package wire encodes and decodes the flatbuffer messages that a shmrun
// master and its workers exchange over their rings: Hello, Task and Result,
// and the Job and Done that carry a task to a remote host and back, each
// wrapped in an Envelope (see wire.fbs; the generated code sits beside
// it and is refreshed by `make generate`).
//
// Bytes read from a ring come from another process and are untrusted. The
// Go flatbuffers library has no verifier, so Decode first checks every
// offset, vtable and vector that its accessors will follow; a malformed
// message is an error, never a panic or an out-of-bounds read. Tasks and
// results also carry a CRC-32C of their fields, written by the encoder and
// checked by Decode: a message that a stray write changed after it was
// encoded (a worker scribbling over its own rings, say) is refused rather
// than run or believed, even where the change leaves it well-formed.
//
// Encoding and decoding allocate nothing in steady state: an Encoder reuses
// its builder, and decoded byte fields alias the input.
package wire

// Protocol is the version of the message protocol. A worker reports it in
// Hello and the master refuses a worker that speaks another.
const Protocol = 5
