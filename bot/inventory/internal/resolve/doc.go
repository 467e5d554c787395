// Package resolve turns a repository's tags into digests with
// go-containerregistry, a bounded number of HEAD requests at a time; the
// registry sources that list tags without digests share it.
package resolve
