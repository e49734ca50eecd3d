module github.com/dtmdrivers/drivers/tools/publish

go 1.26

require golang.org/x/mod v0.31.0
