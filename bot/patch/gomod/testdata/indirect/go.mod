module example.com/indirect

go 1.21

require golang.org/x/net v0.0.0-20220906165146-f3363e06e74c

require golang.org/x/text v0.3.7 // indirect
