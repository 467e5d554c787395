// Package containerfile reads and edits the FROM lines of Dockerfiles and
// Containerfiles (with their global ARGs) without reformatting the rest. It
// is shared by the patchers that move base images and Go builder images, so
// neither imports the other.
package containerfile
