// The timing tests share two cores with the server, the fake provider and Chromium: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
