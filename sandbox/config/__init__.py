"""Mail server configurations the learner writes (Postfix main.cf/master.cf, Exchange connector
cmdlets): read as the real products read them, enacted by the sandbox, and checked by linters."""
