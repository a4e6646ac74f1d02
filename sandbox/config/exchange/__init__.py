"""Exchange connectors: a script of connector cmdlets read as the Exchange Management Shell reads
it (`reader`), enacted by the sandbox (`enact`), shown as `Get-ReceiveConnector` shows it (`show`),
logged in the SMTP protocol log's format (`protolog`) and checked (`lint`)."""
