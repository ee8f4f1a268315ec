"""Word lists for screening (S-A6): the platform's and each enterprise's, with allow-lists.

Pure: `model` (validation), `access` (who keeps which list), `views` (response models). `store` is the only SQL.
`service.WordLists` is the `BatchScreener` the rules screen through and the service that changes the lists;
`feature.WordListsFeature` takes other processes' changes over; `http` holds the routes.
"""
