using Microsoft.Extensions.Hosting;
using WorkflowApp;

using var host = WorkflowHost.Build(args);
await host.RunAsync();
