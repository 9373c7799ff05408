"""Organisation: users, departments, roles and the directory."""
