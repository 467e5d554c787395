module example.com/replace

go 1.21

require golang.org/x/text v0.3.5

replace golang.org/x/text => golang.org/x/text v0.3.5
