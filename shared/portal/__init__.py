"""The portal kit: what every portal page of every service is made of, so that they look like one product.

- `templates/` and `static/`: the base layout, the form macros, the error page, the CSS;
- `formats`: nl-BE formatting and parsing of amounts, weights, moments and enterprise numbers;
- `forms`: a posted form that keeps its input, and how a service's refusal lands on it;
- `pages`: who is on a page (from the bearer token the gateway forwards), page guards by role, the page
  response, flash messages and the template configuration a service mounts;
- `headers`: what the gateway and a service's pages say to each other in headers (CSRF token, flash)."""
