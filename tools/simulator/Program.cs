using System.CommandLine;
using Mtaeda.Simulator;

var stations = new Option<int>("--stations") { Description = "Stations in the network", DefaultValueFactory = _ => 4 };
var turnstiles = new Option<int>("--turnstiles-per-station") { Description = "Turnstiles per station", DefaultValueFactory = _ => 4 };
var passages = new Option<long?>("--passages") { Description = "Total passages to send (default 1000 when --duration is not given)" };
var duration = new Option<double?>("--duration") { Description = "Seconds to send for (at --rate)" };
var rate = new Option<double>("--rate") { Description = "Average passages per second over the whole network", DefaultValueFactory = _ => 200 };
var seed = new Option<int>("--seed") { Description = "Seed of every random choice (lines, turnstile, direction, faults)", DefaultValueFactory = _ => 42 };
var faultRate = new Option<double>("--fault-rate") { Description = "Probability that a passage is followed by a fault of its turnstile (0 to 1)", DefaultValueFactory = _ => 0 };
var rushHour = new Option<bool>("--rush-hour") { Description = "Shape the rate like a day: a morning and an evening peak" };
var gateways = new Option<string[]>("--gateway") { Description = "A gateway's device endpoint (repeatable; stations are spread over them)", DefaultValueFactory = _ => ["https://localhost:5443"] };
var provision = new Option<bool>("--provision") { Description = "Register the stations and install the turnstiles first, through the Dapr sidecar at DAPR_GRPC_PORT" };
var certs = new Option<string?>("--certs") { Description = "Development certificates directory (default GATEWAY_CERTS_DIR or <repository>/.dapr/certs)" };
var drainTimeout = new Option<double>("--drain-timeout") { Description = "Seconds to wait at the end for every passage to be forwarded", DefaultValueFactory = _ => 120 };
var connectTimeout = new Option<double>("--connect-timeout") { Description = "Seconds to wait for every device to be welcomed (and for provisioning)", DefaultValueFactory = _ => 60 };
var linger = new Option<int>("--linger-ms") { Description = "Milliseconds a device waits to put more signals in one message", DefaultValueFactory = _ => 5 };
var quiet = new Option<bool>("--quiet") { Description = "No progress lines, only the summary" };
var captureRate = new Option<double>("--capture-rate") { Description = "Face captures per second over the network, sent by each turnstile's camera (0: none)", DefaultValueFactory = _ => 0 };
var offenderShare = new Option<double>("--offender-share") { Description = "Share of the captures that are of listed offenders (0 to 1)", DefaultValueFactory = _ => 0.05 };
var offenders = new Option<int>("--offenders") { Description = "Offenders listed on the watch list when provisioning (ids and templates from the seed)", DefaultValueFactory = _ => 3 };
var templateLength = new Option<int>("--template-length") { Description = "Values in a face template (identification's Identification:TemplateLength)", DefaultValueFactory = _ => 512 };

var root = new RootCommand("MTAEDA device simulator: plays stations and turnstiles against the gateways and accounts for every passage; the last line is a JSON summary")
{
    stations, turnstiles, passages, duration, rate, seed, faultRate, rushHour, gateways, provision, certs, drainTimeout, connectTimeout, linger, quiet,
    captureRate, offenderShare, offenders, templateLength,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var options = new SimulationOptions
    {
        Stations = parse.GetValue(stations),
        TurnstilesPerStation = parse.GetValue(turnstiles),
        Passages = parse.GetValue(passages),
        Duration = parse.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        Rate = parse.GetValue(rate),
        Seed = parse.GetValue(seed),
        FaultRate = parse.GetValue(faultRate),
        RushHour = parse.GetValue(rushHour),
        Gateways = [.. parse.GetValue(gateways)!.Select(g => new Uri(g))],
        Provision = parse.GetValue(provision),
        CertificatesDirectory = parse.GetValue(certs),
        DrainTimeout = TimeSpan.FromSeconds(parse.GetValue(drainTimeout)),
        ConnectTimeout = TimeSpan.FromSeconds(parse.GetValue(connectTimeout)),
        Linger = TimeSpan.FromMilliseconds(parse.GetValue(linger)),
        Quiet = parse.GetValue(quiet),
        CaptureRate = parse.GetValue(captureRate),
        OffenderShare = parse.GetValue(offenderShare),
        Offenders = parse.GetValue(offenders),
        TemplateLength = parse.GetValue(templateLength),
    };
    if (options.Validate() is { } problem)
    {
        Console.Error.WriteLine(problem);
        return 2;
    }
    return await Simulation.RunAsync(options, Console.Out, cancellationToken);
});
return await root.Parse(args).InvokeAsync();
