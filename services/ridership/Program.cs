// The ridership service (app-id "ridership"): RidershipApp.Build reads as its table of contents.
await Mtaeda.Ridership.RidershipApp.Build(args).RunAsync();
