module github.com/epicevents/epiccrm

go 1.26.8
