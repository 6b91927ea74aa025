package exec

// Capabilities describes the SQL the engine plans, for front ends that
// advertise it (Flight SQL GetSqlInfo). Whoever adds or removes a feature
// from the planner updates DefaultCapabilities in the same change; a server
// test checks GetSqlInfo against it.
type Capabilities struct {
	InnerJoins     bool // JOIN ... ON/USING, comma joins, CROSS JOIN
	OuterJoins     bool // LEFT/RIGHT [OUTER] JOIN
	FullOuterJoins bool // FULL [OUTER] JOIN
	// Subqueries: scalar in comparisons, EXISTS, IN, quantified (ANY/ALL).
	SubqueryComparisons, SubqueryExists, SubqueryIn, SubqueryQuantified bool
	CorrelatedSubqueries                                                bool
	Union, UnionAll                                                     bool
	GroupByUnrelated                                                    bool // GROUP BY columns not in SELECT
	OrderByUnrelated                                                    bool // ORDER BY columns not in SELECT
	Transactions                                                        bool
	WindowFunctions                                                     bool
}

// DefaultCapabilities is what the engine supports today.
var DefaultCapabilities = Capabilities{
	InnerJoins:           true,
	OuterJoins:           true,
	SubqueryComparisons:  true,
	SubqueryExists:       true,
	SubqueryIn:           true,
	SubqueryQuantified:   true,
	CorrelatedSubqueries: true,
	Union:                true,
	UnionAll:             true,
	GroupByUnrelated:     true,
	OrderByUnrelated:     true,
	WindowFunctions:      true,
}

// Capabilities returns the engine's capabilities (DefaultCapabilities).
func (e *Engine) Capabilities() Capabilities { return DefaultCapabilities }
