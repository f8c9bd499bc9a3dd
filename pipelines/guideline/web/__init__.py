"""The board's review web app (`guideline serve`): pages over the same repository and the same workflow
functions the CLI uses; decisions land in git as commits signed by the app's service key."""
