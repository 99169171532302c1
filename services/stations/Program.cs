// The stations service (app-id "stations"): StationsApp.Build reads as its table of contents.
await Mtaeda.Stations.StationsApp.Build(args).RunAsync();
