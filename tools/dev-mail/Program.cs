using System.CommandLine;
using Mtaeda.DevMail;

var port = new Option<int>("--port") { Description = "SMTP port (notifications' development setting: 2525)", DefaultValueFactory = _ => 2525 };
var directory = new Option<string>("--directory") { Description = "Where each message is written as an .eml file", DefaultValueFactory = _ => Path.Combine(".dapr", "mail") };

var root = new RootCommand("MTAEDA development mail sink: an SMTP server on loopback that writes each message it receives as an .eml file and logs its recipients and subject")
{
    port, directory,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var sink = new MailSink(parse.GetValue(directory)!, Console.Out);
    var endpoints = MailSink.Loopback(parse.GetValue(port));
    var running = sink.RunAsync(endpoints, cancellationToken);
    Console.WriteLine($"MTAEDA development mail sink: SMTP on {string.Join(", ", endpoints.Select(e => e.ToString()))}, messages written to {sink.Directory}");
    await running;
    return 0;
});
return await root.Parse(args).InvokeAsync();
