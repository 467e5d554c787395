// Package budget gives a job a time budget that grows with the work it finds, up to the job's ceiling.
package budget
