//go:build !unix

package app

func connectionBudgetOfProcess() (int, bool) { return 0, false }
