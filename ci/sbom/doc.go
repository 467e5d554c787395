// Package sbom inventories an acquired image, a directory or an existing SBOM
// document with syft, and writes the inventory as CycloneDX, SPDX or syft JSON.
package sbom
