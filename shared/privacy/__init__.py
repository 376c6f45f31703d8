"""Personal data requests (GDPR art. 15 and 17): what each service holds about one person of a province, and
its erasure. A person is named by their Keycloak username and/or e-mail address within one province.

Every service fulfils the same contract through the same routes (`routes.py`): the export lists every row of
its database that names the person (found through the catalogue, so a table added later is not forgotten)
and the files they uploaded; the erasure deletes what can go and pseudonymises what the law makes the
province keep (a decision rests on it): the person's name and address become a stable pseudonym, the amounts,
outcomes and reasons stay. Its own stream's messages that name the person are deleted (secure erase).
`python -m shared.privacy` makes one archive of all services' exports and runs the erasure everywhere."""
