package expr

func jsonBuiltins() map[string]ScalarFunc { return map[string]ScalarFunc{} }
