module example.com/oldgo

go 1.16

require golang.org/x/text v0.3.5
