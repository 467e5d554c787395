// Package options holds the command line's option groups: one struct per
// group with its defaults, the flags that set it (AddFlags) and the
// environment variables that stand in for flags not given (Env). Settings
// are layered in one way only: defaults, then environment, then flags (see
// ApplyEnv). Library packages take the plain structs and never read the
// environment or define flags themselves.
package options
