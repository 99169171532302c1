using System.Globalization;
using System.Text.RegularExpressions;
using LocalDapr.PubSub;
using LocalDapr.Resiliency;
using YamlDotNet.RepresentationModel;

namespace LocalDapr.Configuration;

/// <summary>A Dapr <c>Component</c> resource as read from a resources path.</summary>
public sealed record ComponentSpec(
    string Name,
    string Type,
    string Version,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<string> Scopes,
    string File,
    long Line)
{
    public string Kind => Type.Split('.', 2)[0];

    /// <summary>Metadata items given by <c>secretKeyRef</c> (<c>{name, key}</c>), resolved from <see cref="AuthSecretStore"/> when the sidecar starts.</summary>
    public IReadOnlyDictionary<string, SecretKeyRef> SecretRefs { get; init; } = new Dictionary<string, SecretKeyRef>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The component's <c>auth.secretStore</c>.</summary>
    public string? AuthSecretStore { get; init; }

    public bool AppliesTo(string appId) => Scopes.Count == 0 || Scopes.Contains(appId, StringComparer.Ordinal);

    public string? Meta(string key) => Metadata.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    public bool MetaBool(string key) => bool.TryParse(Meta(key), out var b) && b;

    public TimeSpan MetaDuration(string key, TimeSpan fallback) =>
        Meta(key) is { } text
            ? GoDuration.TryParse(text, out var d) ? d : throw new ConfigurationException(File, Line, $"metadata '{key}' of component '{Name}' is not a duration: '{text}'")
            : fallback;

    public int MetaInt(string key, int fallback) =>
        Meta(key) is { } text
            ? int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : throw new ConfigurationException(File, Line, $"metadata '{key}' of component '{Name}' is not a whole number: '{text}'")
            : fallback;
}

/// <summary>A metadata item's <c>secretKeyRef</c>: the secret's name and, when it holds several values, the key (default: the name).</summary>
public sealed record SecretKeyRef(string Name, string? Key);

/// <summary>The resiliency targets that apply to one app, merged from every <c>Resiliency</c> resource in scope.</summary>
public sealed record ResiliencyTargets(
    IReadOnlyDictionary<string, TargetPolicy> Apps,
    IReadOnlyDictionary<string, TargetPolicy> Actors,
    IReadOnlyDictionary<string, TargetPolicy> ComponentsInbound,
    IReadOnlyDictionary<string, TargetPolicy> ComponentsOutbound)
{
    public static ResiliencyTargets None { get; } = new(new Dictionary<string, TargetPolicy>(), new Dictionary<string, TargetPolicy>(),
        new Dictionary<string, TargetPolicy>(), new Dictionary<string, TargetPolicy>());

    public TargetPolicy? App(string appId) => Apps.GetValueOrDefault(appId);

    public TargetPolicy? Actor(string type) => Actors.GetValueOrDefault(type);

    public TargetPolicy? Inbound(string component) => ComponentsInbound.GetValueOrDefault(component);

    public TargetPolicy? Outbound(string component) => ComponentsOutbound.GetValueOrDefault(component);
}

/// <summary>Everything the runtime reads from the resources paths of one app.</summary>
public sealed record Resources(IReadOnlyList<ComponentSpec> Components, IReadOnlyList<Subscription> Subscriptions, ResiliencyTargets Resiliency)
{
    public static Resources Empty { get; } = new([], [], ResiliencyTargets.None);

    /// <summary>The workflow limits of a <c>Configuration</c> resource (<c>spec.workflow</c>); none when there is none.</summary>
    public Workflows.WorkflowLimits Workflow { get; init; } = Workflows.WorkflowLimits.None;

    /// <summary>The secret scopes of a <c>Configuration</c> resource (<c>spec.secrets.scopes</c>), by store name.</summary>
    public IReadOnlyDictionary<string, Secrets.SecretScope> SecretScopes { get; init; } = new Dictionary<string, Secrets.SecretScope>(StringComparer.Ordinal);

    /// <summary>Service-invocation access control of the app's <c>Configuration</c> (<c>spec.accessControl</c>) over daprd's defaults.</summary>
    public Sidecar.AccessControlSpec AccessControl { get; init; } = Sidecar.AccessControlSpec.Default;
}

/// <summary>
/// Reads the resources paths the way the Dapr CLI does: every <c>.yaml</c>/<c>.yml</c> file directly in each folder,
/// several documents per file, only the kinds the runtime knows (of a <c>Configuration</c>, only <c>spec.workflow</c>,
/// <c>spec.secrets</c> and <c>spec.accessControl</c>; other kinds are skipped). The app's configuration file (daprd's
/// <c>--config</c>, the run file's <c>configFilePath</c>) is read after them, so its sections win.
/// </summary>
public static partial class ResourceLoader
{
    /// <summary>The component types this runtime implements.</summary>
    public static readonly IReadOnlySet<string> SupportedTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "pubsub.in-memory",
        "state.in-memory",
        "pubsub.redis",
        "state.redis",
        "secretstores.local.file",
        "secretstores.local.env",
    };

    public static Resources Load(IEnumerable<string> paths, string appId, string? configFile = null)
    {
        var components = new List<ComponentSpec>();
        var subscriptions = new List<Subscription>();
        var apps = new Dictionary<string, TargetPolicy>(StringComparer.Ordinal);
        var actors = new Dictionary<string, TargetPolicy>(StringComparer.Ordinal);
        var inbound = new Dictionary<string, TargetPolicy>(StringComparer.Ordinal);
        var outbound = new Dictionary<string, TargetPolicy>(StringComparer.Ordinal);
        var workflow = Workflows.WorkflowLimits.None;
        var secretScopes = new Dictionary<string, Secrets.SecretScope>(StringComparer.Ordinal);
        var accessControl = Sidecar.AccessControlSpec.Default;
        void ApplyConfiguration(YamlFile yaml, YamlMappingNode doc)
        {
            workflow = ReadWorkflowLimits(yaml, doc) ?? workflow;
            if (ReadSecretScopes(yaml, doc) is { } scopes) secretScopes = scopes;
            accessControl = ReadAccessControl(yaml, doc, accessControl);
        }
        foreach (var path in paths)
        {
            var files = System.IO.File.Exists(path)
                ? [path]
                : Directory.Exists(path)
                    ? Directory.EnumerateFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToArray()
                    : throw new ConfigurationException(path, 0, "resources path does not exist");
            foreach (var file in files)
            {
                var yaml = YamlFile.Load(file);
                foreach (var doc in yaml.Documents)
                {
                    if (doc is null) continue;
                    var kind = yaml.String(doc, "kind");
                    if (string.Equals(kind, "Component", StringComparison.Ordinal))
                    {
                        var component = ReadComponent(yaml, doc);
                        if (!component.AppliesTo(appId)) continue;
                        if (components.FirstOrDefault(c => c.Name == component.Name) is { } twin)
                            throw yaml.Error(doc, $"component '{component.Name}' is already defined in {twin.File}:{twin.Line}");
                        components.Add(component);
                    }
                    else if (string.Equals(kind, "Subscription", StringComparison.Ordinal) && InScope(yaml, doc, appId))
                    {
                        subscriptions.Add(ReadSubscription(yaml, doc));
                    }
                    else if (string.Equals(kind, "Resiliency", StringComparison.Ordinal) && InScope(yaml, doc, appId))
                    {
                        ReadResiliency(yaml, doc, apps, actors, inbound, outbound);
                    }
                    else if (string.Equals(kind, "Configuration", StringComparison.Ordinal))
                    {
                        ApplyConfiguration(yaml, doc);
                    }
                }
            }
        }
        if (configFile is not null)
        {
            if (!System.IO.File.Exists(configFile)) throw new ConfigurationException(configFile, 0, "configuration file does not exist");
            var yaml = YamlFile.Load(configFile);
            // daprd decodes the file's (first) document as a Configuration, whatever its kind says.
            if (yaml.Documents.FirstOrDefault() is { } doc) ApplyConfiguration(yaml, doc);
        }
        return new Resources(components, subscriptions, new ResiliencyTargets(apps, actors, inbound, outbound))
        {
            Workflow = workflow,
            SecretScopes = secretScopes,
            AccessControl = accessControl,
        };
    }

    /// <summary>
    /// <c>spec.accessControl</c> of a <c>Configuration</c> laid over <paramref name="current"/> as daprd decodes a
    /// Configuration over its defaults: a key that is left out (or null) keeps its value, a key that is given replaces it.
    /// </summary>
    private static Sidecar.AccessControlSpec ReadAccessControl(YamlFile yaml, YamlMappingNode doc, Sidecar.AccessControlSpec current)
    {
        if (yaml.Map(doc, "spec") is not { } spec || yaml.Map(spec, "accessControl") is not { } access) return current;
        var policies = yaml.Get(access, "policies") is null ? current.Policies
            : yaml.Sequence(access, "policies").Select(p => new Sidecar.AppPolicySpec(yaml.String(p, "appId"), yaml.String(p, "defaultAction"), yaml.String(p, "trustDomain"),
                yaml.String(p, "namespace"),
                [.. yaml.Sequence(p, "operations").Select(o => new Sidecar.AppOperationSpec(yaml.String(o, "name"), yaml.List(o, "httpVerb") ?? [], yaml.String(o, "action")))])).ToList();
        return new Sidecar.AccessControlSpec(yaml.String(access, "defaultAction") ?? current.DefaultAction, yaml.String(access, "trustDomain") ?? current.TrustDomain,
            policies, yaml.Path, access.Start.Line);
    }

    /// <summary>
    /// <c>spec.secrets.scopes</c> of a <c>Configuration</c>, validated as daprd does (a store named twice, or a
    /// <c>defaultAccess</c> other than <c>allow</c>/<c>deny</c>, is an error).
    /// </summary>
    private static Dictionary<string, Secrets.SecretScope>? ReadSecretScopes(YamlFile yaml, YamlMappingNode doc)
    {
        if (yaml.Map(doc, "spec") is not { } spec || yaml.Map(spec, "secrets") is not { } secrets) return null;
        var scopes = new Dictionary<string, Secrets.SecretScope>(StringComparer.Ordinal);
        foreach (var scope in yaml.Sequence(secrets, "scopes"))
        {
            var store = yaml.String(scope, "storeName") ?? "";
            if (scopes.ContainsKey(store)) throw yaml.Error(scope, $"{store} storeName is repeated in secrets configuration");
            var access = yaml.String(scope, "defaultAccess");
            if (!string.IsNullOrEmpty(access) && !access.Equals("allow", StringComparison.OrdinalIgnoreCase) && !access.Equals("deny", StringComparison.OrdinalIgnoreCase))
                throw yaml.Error(scope, $"defaultAccess {access} can be either allow or deny");
            scopes[store] = new Secrets.SecretScope(store, access, yaml.Strings(scope, "allowedSecrets") ?? [], yaml.Strings(scope, "deniedSecrets") ?? []);
        }
        return scopes;
    }

    /// <summary><c>spec.workflow.maxConcurrentWorkflowInvocations</c> and <c>maxConcurrentActivityInvocations</c> of a <c>Configuration</c>.</summary>
    private static Workflows.WorkflowLimits? ReadWorkflowLimits(YamlFile yaml, YamlMappingNode doc)
    {
        if (yaml.Map(doc, "spec") is not { } spec || yaml.Map(spec, "workflow") is not { } workflow) return null;
        return new Workflows.WorkflowLimits(Limit("maxConcurrentWorkflowInvocations"), Limit("maxConcurrentActivityInvocations"));

        int? Limit(string key) => yaml.String(workflow, key) is not { } text ? null
            : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n
            : throw yaml.Error(workflow, $"configuration 'spec.workflow.{key}' must be a whole number above zero: '{text}'");
    }

    private static bool InScope(YamlFile yaml, YamlMappingNode doc, string appId) =>
        yaml.Strings(doc, "scopes") is not { Count: > 0 } scopes || scopes.Contains(appId, StringComparer.Ordinal);

    /// <summary>A declarative <c>Subscription</c> (<c>dapr.io/v2alpha1</c> with <c>routes</c>, or <c>v1alpha1</c> with <c>route</c>).</summary>
    private static Subscription ReadSubscription(YamlFile yaml, YamlMappingNode doc)
    {
        var name = yaml.Map(doc, "metadata") is { } m ? yaml.String(m, "name") ?? "(unnamed)" : "(unnamed)";
        var spec = yaml.Map(doc, "spec") ?? throw yaml.Error(doc, $"subscription '{name}' has no 'spec'");
        var pubsub = yaml.RequiredString(spec, "pubsubname", $"subscription '{name}'");
        var topic = yaml.RequiredString(spec, "topic", $"subscription '{name}'");
        var rules = new List<RouteRule>();
        string? defaultPath = yaml.String(spec, "route");
        if (yaml.Map(spec, "routes") is { } routes)
        {
            foreach (var rule in yaml.Sequence(routes, "rules"))
            {
                try
                {
                    rules.Add(new RouteRule(RouteExpression.Parse(yaml.RequiredString(rule, "match", "routing rule")), Slash(yaml.RequiredString(rule, "path", "routing rule"))));
                }
                catch (FormatException e)
                {
                    throw yaml.Error(rule, e.Message);
                }
            }
            defaultPath = yaml.String(routes, "default") ?? defaultPath;
        }
        if (rules.Count == 0 && string.IsNullOrEmpty(defaultPath)) throw yaml.Error(spec, $"subscription '{name}' has neither 'routes' nor 'route'");
        var bulk = yaml.Map(spec, "bulkSubscribe") is { } b
            ? new BulkSubscribeOptions(yaml.Bool(b, "enabled") ?? false, yaml.Int(b, "maxMessagesCount") ?? 100, TimeSpan.FromMilliseconds(yaml.Int(b, "maxAwaitDurationMs") ?? 1000))
            : new BulkSubscribeOptions(false, 1, TimeSpan.Zero);
        return new Subscription(pubsub, topic, rules, string.IsNullOrEmpty(defaultPath) ? null : Slash(defaultPath), yaml.String(spec, "deadLetterTopic"),
            yaml.StringMap(spec, "metadata") ?? [], bulk, "DECLARATIVE");
    }

    private static string Slash(string path) => path.StartsWith('/') ? path : "/" + path;

    private static void ReadResiliency(YamlFile yaml, YamlMappingNode doc, Dictionary<string, TargetPolicy> apps, Dictionary<string, TargetPolicy> actors,
        Dictionary<string, TargetPolicy> inbound, Dictionary<string, TargetPolicy> outbound)
    {
        var spec = yaml.Map(doc, "spec") ?? throw yaml.Error(doc, "resiliency has no 'spec'");
        var policies = yaml.Map(spec, "policies");
        var timeouts = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var retries = new Dictionary<string, RetrySpec>(StringComparer.Ordinal);
        var breakers = new Dictionary<string, CircuitBreakerSpec>(StringComparer.Ordinal);
        if (policies is not null)
        {
            foreach (var (name, value) in Entries(yaml, yaml.Map(policies, "timeouts")))
                timeouts[name] = Duration(yaml, value, $"timeout '{name}'");
            foreach (var (name, value) in Entries(yaml, yaml.Map(policies, "retries")))
            {
                var r = value as YamlMappingNode ?? throw yaml.Error(value, $"retry policy '{name}' must be a mapping");
                var policy = yaml.String(r, "policy") ?? "constant";
                if (policy is not ("constant" or "exponential")) throw yaml.Error(r, $"retry policy '{name}' has unknown policy '{policy}' (constant or exponential)");
                var exponential = policy == "exponential";
                retries[name] = new RetrySpec(exponential,
                    yaml.Get(r, "duration") is { } d ? Duration(yaml, d, $"duration of retry policy '{name}'") : exponential ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(5),
                    yaml.Get(r, "maxInterval") is { } mi ? Duration(yaml, mi, $"maxInterval of retry policy '{name}'") : TimeSpan.FromSeconds(60),
                    yaml.Int(r, "maxRetries") ?? -1)
                {
                    Matching = Matching(yaml, r, name),
                };
            }
            foreach (var (name, value) in Entries(yaml, yaml.Map(policies, "circuitBreakers")))
            {
                var c = value as YamlMappingNode ?? throw yaml.Error(value, $"circuit breaker '{name}' must be a mapping");
                var trip = yaml.String(c, "trip") ?? "consecutiveFailures > 5";
                var m = Trip().Match(trip);
                if (!m.Success) throw yaml.Error(c, $"circuit breaker '{name}': trip '{trip}' is not supported by the local runtime (use consecutiveFailures > N)");
                var n = int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) - (m.Groups["op"].Value == ">=" ? 1 : 0);
                breakers[name] = new CircuitBreakerSpec(name, yaml.Int(c, "maxRequests") ?? 1,
                    yaml.Get(c, "interval") is { } i ? Duration(yaml, i, $"interval of circuit breaker '{name}'") : TimeSpan.Zero,
                    yaml.Get(c, "timeout") is { } t ? Duration(yaml, t, $"timeout of circuit breaker '{name}'") : TimeSpan.FromSeconds(60), n);
            }
        }

        TargetPolicy Target(YamlNode node, string what)
        {
            var map = node as YamlMappingNode ?? throw yaml.Error(node, $"{what} must be a mapping");
            TimeSpan? timeout = null;
            if (yaml.String(map, "timeout") is { } tname)
                timeout = timeouts.TryGetValue(tname, out var named) ? named : GoDuration.TryParse(tname, out var literal) ? literal : throw yaml.Error(map, $"{what} names timeout '{tname}', which is not defined");
            RetrySpec? retry = yaml.String(map, "retry") is { } rname ? retries.GetValueOrDefault(rname) ?? throw yaml.Error(map, $"{what} names retry policy '{rname}', which is not defined") : null;
            CircuitBreakerSpec? breaker = yaml.String(map, "circuitBreaker") is { } cname ? breakers.GetValueOrDefault(cname) ?? throw yaml.Error(map, $"{what} names circuit breaker '{cname}', which is not defined") : null;
            return new TargetPolicy(timeout, retry, breaker);
        }

        var targets = yaml.Map(spec, "targets");
        if (targets is null) return;
        foreach (var (name, value) in Entries(yaml, yaml.Map(targets, "apps"))) apps[name] = Target(value, $"app target '{name}'");
        foreach (var (name, value) in Entries(yaml, yaml.Map(targets, "actors"))) actors[name] = Target(value, $"actor target '{name}'");
        foreach (var (name, value) in Entries(yaml, yaml.Map(targets, "components")))
        {
            var map = value as YamlMappingNode ?? throw yaml.Error(value, $"component target '{name}' must be a mapping");
            if (yaml.Get(map, "inbound") is { } i) inbound[name] = Target(i, $"inbound policy of component '{name}'");
            if (yaml.Get(map, "outbound") is { } o) outbound[name] = Target(o, $"outbound policy of component '{name}'");
        }
    }

    /// <summary>A retry policy's <c>matching</c>: <c>httpStatusCodes</c> and <c>gRPCStatusCodes</c>.</summary>
    private static RetryMatching Matching(YamlFile yaml, YamlMappingNode retry, string name)
    {
        if (yaml.Map(retry, "matching") is not { } matching) return RetryMatching.All;
        try
        {
            return RetryMatching.Parse(yaml.String(matching, "httpStatusCodes"), yaml.String(matching, "gRPCStatusCodes"));
        }
        catch (FormatException e)
        {
            throw yaml.Error(matching, $"matching of retry policy '{name}': {e.Message}");
        }
    }

    private static IEnumerable<(string Name, YamlNode Value)> Entries(YamlFile yaml, YamlMappingNode? map)
    {
        if (map is null) yield break;
        foreach (var (k, v) in map.Children) yield return (k is YamlScalarNode s ? s.Value ?? "" : throw yaml.Error(k, "expected a name"), v);
    }

    private static TimeSpan Duration(YamlFile yaml, YamlNode node, string what) =>
        node is YamlScalarNode s && GoDuration.TryParse(s.Value, out var d) ? d : throw yaml.Error(node, $"{what} is not a duration");

    [GeneratedRegex(@"^\s*consecutiveFailures\s*(?<op>>=|>)\s*(?<n>\d+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Trip();

    private static ComponentSpec ReadComponent(YamlFile yaml, YamlMappingNode doc)
    {
        var metadata = yaml.Map(doc, "metadata") ?? throw yaml.Error(doc, "component has no 'metadata' (it needs metadata.name)");
        var name = yaml.RequiredString(metadata, "name", "component metadata");
        var spec = yaml.Map(doc, "spec") ?? throw yaml.Error(doc, $"component '{name}' has no 'spec'");
        var type = yaml.RequiredString(spec, "type", $"component '{name}'");
        if (!SupportedTypes.Contains(type))
        {
            throw yaml.Error(spec, $"component '{name}' has type '{type}', which the local runtime does not implement " +
                $"(it implements {string.Join(", ", SupportedTypes.Order(StringComparer.Ordinal))}). " +
                "Run with the Dapr CLI (`dapr run -f .`) for this component, or point the resources path at a folder of supported components.");
        }
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var secretRefs = new Dictionary<string, SecretKeyRef>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in yaml.Sequence(spec, "metadata"))
        {
            var key = yaml.RequiredString(item, "name", "component metadata item");
            var value = yaml.String(item, "value") ?? "";
            if (yaml.Map(item, "secretKeyRef") is { } secretRef && yaml.String(secretRef, "name") is { Length: > 0 } secretName)
                secretRefs[key] = new SecretKeyRef(secretName, yaml.String(secretRef, "key"));
            else if (value.Length == 0 && yaml.String(item, "envRef") is { Length: > 0 } envRef)
            {
                // daprd reads an envRef from its own environment, never APP_API_TOKEN or DAPR_* (nor a name with a space).
                if (Secrets.EnvSecretStore.IsAllowed(envRef) && !envRef.Contains(' ', StringComparison.Ordinal)) value = System.Environment.GetEnvironmentVariable(envRef) ?? "";
            }
            values[key] = value;
        }
        var auth = yaml.Map(doc, "auth");
        return new ComponentSpec(name, type, yaml.String(spec, "version") ?? "v1", values, yaml.Strings(doc, "scopes") ?? [], yaml.Path, doc.Start.Line)
        {
            SecretRefs = secretRefs,
            AuthSecretStore = auth is null ? null : yaml.String(auth, "secretStore"),
        };
    }
}
