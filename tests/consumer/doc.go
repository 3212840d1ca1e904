// Package consumer is a CDK Go app's view of gureum: a module of its own
// that requires github.com/gureum-cdk/gureum (replaced by this checkout) and
// imports every construct the way a platform team's app does, with the
// smallest props the docs allow and gureum's handlers named by import path.
// Its test synthesizes each case and holds gureum to what an outside app
// needs; see consumer_test.go for the cases.
package consumer
