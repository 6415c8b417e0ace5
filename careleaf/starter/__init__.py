"""What `careleaf init` writes besides the theme's starter content: a commented site.yaml,
a .gitignore and the GitHub Actions workflows."""
