// GOV.UK Frontend's "JavaScript is on" classes, set before the page renders (ADR 0012). A file of its
// own rather than an inline script, so the Content-Security-Policy needs no 'unsafe-inline'.
document.body.className += ' js-enabled govuk-frontend-supported';
