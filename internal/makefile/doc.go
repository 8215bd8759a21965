// Package makefile holds the tests of the repository's Makefile: what its
// targets tell a user whose machine lacks a tool they need. It has no code
// of its own (and so no Example); the tests run make in the repository
// root.
package makefile
