return await LocalDapr.Cli.RunAsync(args);
