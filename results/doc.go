// Package results is the one path from stored scans and recorded decisions to every
// number tarazy publishes (issue 10): score a school's grade, check the key, rank it
// with the policy recorded when it was scored and the chair's tie decisions, build and
// render the protocol, publish it (chair only, never a draft), amend it, and verify a
// published protocol by doing all of it again from the scans.
//
// The computations (Score, Rank, Protocol) read their inputs through Source, so the
// command line runs them over files (FileSource) and the server over the store
// (Service.Source): the same code makes the same bytes. Service adds what only the
// server has: persisting each step, the chair's decisions, publication, amendments
// and Verify, which re-reads every scan through a Reader the caller wires in (the
// server's own packages never import OpenCV).
//
// Every message a commission member reads here comes in Kazakh, Russian and English
// (Text).
package results
