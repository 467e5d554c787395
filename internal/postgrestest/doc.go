// Package postgrestest gives tests a real PostgreSQL: a fresh database per
// test on the server VIGIL_TEST_POSTGRES_URL names (.ci/test starts one),
// or else on a throwaway cluster of Debian's postgresql binaries started
// for the test process, so a developer's `go test` works too.
package postgrestest
