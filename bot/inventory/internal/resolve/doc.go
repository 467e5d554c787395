// Package resolve lists plain OCI registries with go-containerregistry
// (catalog or given repositories, their tags, the digest of each tag by a
// bounded number of HEAD requests at a time); the registry sources that
// speak only the distribution API (oci, acr, gitlab's tags) share it, so
// no source imports a sibling.
package resolve
