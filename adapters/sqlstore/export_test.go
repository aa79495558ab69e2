package sqlstore

// FTSChunks exposes ftsChunks to the tests.
var FTSChunks = ftsChunks
