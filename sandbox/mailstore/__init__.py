"""Reading the mail the sandbox caught: its Maildirs listed, a message shown with its headers,
everything from the network escaped for the terminal."""
