using System.Text;

namespace LocalDapr.Sidecar;

/// <summary>One operation rule of an app policy (<c>operations[]</c>): its name, the HTTP verbs it names and its action.</summary>
public sealed record AppOperationSpec(string? Name, IReadOnlyList<string> HttpVerbs, string? Action);

/// <summary>One app policy of <c>spec.accessControl.policies[]</c>, as written.</summary>
public sealed record AppPolicySpec(string? AppId, string? DefaultAction, string? TrustDomain, string? Namespace, IReadOnlyList<AppOperationSpec> Operations);

/// <summary>
/// <c>spec.accessControl</c> of the app's <c>Configuration</c>, as written, on top of daprd's default configuration
/// (<c>defaultAction: allow</c>, <c>trustDomain: public</c>, no policies: dapr/dapr <c>LoadDefaultConfiguration</c>), so a
/// key a Configuration leaves out keeps its default, as when daprd decodes a Configuration over its defaults.
/// </summary>
/// <param name="File">The file that gave it (for the error of an invalid spec), or null for the default.</param>
/// <param name="Line">The line of <c>accessControl</c> in <paramref name="File"/>.</param>
/// <param name="Policies">The policies; null when none are written (daprd tells a missing list from an empty one).</param>
public sealed record AccessControlSpec(string? DefaultAction, string? TrustDomain, IReadOnlyList<AppPolicySpec>? Policies, string? File = null, long Line = 0)
{
    public static AccessControlSpec Default { get; } = new(AccessControlList.Allow, AccessControlList.DefaultTrustDomain, null);
}

/// <summary>Who calls, as daprd's callee sidecar knows it from the caller's mTLS certificate (SPIFFE id).</summary>
public sealed record CallerIdentity(string TrustDomain, string Namespace, string AppId)
{
    /// <summary><c>spiffe://{trust domain}/ns/{namespace}/{app id}</c>.</summary>
    public string Url => $"spiffe://{TrustDomain}/ns/{Namespace}/{AppId}";
}

/// <summary>
/// Service-invocation access control as daprd applies it on the callee's side (dapr/dapr <c>pkg/acl</c>:
/// <c>ParseAccessControlSpec</c>, <c>ApplyAccessControlPolicies</c>, <c>isOperationAllowedByAccessControlPolicy</c>, and
/// the operation trie of <c>pkg/config/acl_trie.go</c>): a global default action, and per calling app (by app id and
/// namespace, in the policy's trust domain) a default action and actions per operation and HTTP verb.
/// </summary>
public sealed class AccessControlList
{
    public const string Allow = "allow";
    public const string Deny = "deny";
    public const string DefaultTrustDomain = "public";

    private readonly Dictionary<string, AppPolicy> _policies;

    private AccessControlList(string defaultAction, string trustDomain, Dictionary<string, AppPolicy> policies)
    {
        DefaultAction = defaultAction;
        TrustDomain = trustDomain;
        _policies = policies;
    }

    /// <summary>The global default action (lower case), for a caller no policy names.</summary>
    public string DefaultAction { get; }

    /// <summary>The trust domain of this app's own identity (daprd asks Sentry for its certificate in it).</summary>
    public string TrustDomain { get; }

    /// <summary>
    /// The list daprd builds from <paramref name="spec"/>: null when nothing is set; operation names with a leading
    /// <c>/</c> and, for an app whose protocol is HTTP (<c>http</c>, <c>h2c</c>), in lower case. A policy without an app
    /// id, a trust domain or a namespace makes the spec invalid (<see cref="FormatException"/> with daprd's message).
    /// </summary>
    /// <param name="spec">The Configuration's <c>spec.accessControl</c> over the defaults.</param>
    /// <param name="isHttp">Whether the app's protocol is HTTP (daprd: <c>appConnectionConfig.Protocol.IsHTTP()</c>).</param>
    public static AccessControlList? Parse(AccessControlSpec? spec, bool isHttp)
    {
        if (spec is null || (string.IsNullOrEmpty(spec.TrustDomain) && string.IsNullOrEmpty(spec.DefaultAction) && (spec.Policies?.Count ?? 0) == 0)) return null;
        var trustDomain = string.IsNullOrEmpty(spec.TrustDomain) ? DefaultTrustDomain : spec.TrustDomain;
        // No global default action: with policies (or no list at all) the safer one, deny; with an empty list, allow.
        var defaultAction = string.IsNullOrEmpty(spec.DefaultAction) ? spec.Policies is null || spec.Policies.Count > 0 ? Deny : Allow : spec.DefaultAction.ToLowerInvariant();

        var missingTrustDomain = new List<string>();
        var missingNamespace = new List<string>();
        var missingAppId = false;
        var policies = new Dictionary<string, AppPolicy>(StringComparer.Ordinal);
        foreach (var policy in spec.Policies ?? [])
        {
            var invalid = false;
            if (string.IsNullOrEmpty(policy.AppId)) missingAppId = true;
            if (string.IsNullOrEmpty(policy.TrustDomain))
            {
                missingTrustDomain.Add(policy.AppId ?? "");
                invalid = true;
            }
            if (string.IsNullOrEmpty(policy.Namespace))
            {
                missingNamespace.Add(policy.AppId ?? "");
                invalid = true;
            }
            if (invalid || missingAppId) continue;

            var operations = new OperationTrie();
            foreach (var operation in policy.Operations)
            {
                var name = operation.Name ?? "";
                if (!name.StartsWith('/')) name = "/" + name;
                if (isHttp) name = name.ToLowerInvariant();
                var verbs = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var verb in operation.HttpVerbs) verbs[verb] = operation.Action ?? "";
                operations.Put(name, new OperationAction(verbs, operation.Action ?? ""));
            }
            // The same app id may have a policy in each namespace; the last one written for a pair is kept.
            policies[Key(policy.AppId!, policy.Namespace!)] = new AppPolicy(policy.DefaultAction ?? "", policy.TrustDomain!, policy.Namespace!, operations);
        }
        if (missingTrustDomain.Count > 0 || missingNamespace.Count > 0 || missingAppId)
        {
            throw new FormatException("invalid access control spec. missing trustdomain for apps: " + GoList(missingTrustDomain) +
                ", missing namespace for apps: " + GoList(missingNamespace) +
                ", missing app name on at least one of the app policies: " + (missingAppId ? "true" : "false"));
        }
        return new AccessControlList(defaultAction, trustDomain, policies);
    }

    /// <summary>
    /// Whether <paramref name="caller"/> may call <paramref name="operation"/> (already normalised) with
    /// <paramref name="httpVerb"/> (the verb's name as in Dapr's <c>HTTPExtension.Verb</c>, <c>NONE</c> when there is none),
    /// and daprd's message when it may not.
    /// </summary>
    /// <param name="isHttp">Whether the operation is matched as HTTP (lower case, by verb): daprd passes the app's protocol
    /// for a call through its internal API (HTTP invocation, <c>InvokeService</c>) and false for a proxied gRPC call.</param>
    /// <param name="caller">The caller's identity; null when the call carries none (the app's own gRPC call through its
    /// sidecar's proxy), which only the global default action judges.</param>
    public (bool Allowed, string? Message) Check(CallerIdentity? caller, string operation, string httpVerb, bool isHttp)
    {
        var allowed = IsAllowed(caller, operation, httpVerb, isHttp);
        return allowed ? (true, null) : (false, $"access control policy has denied access to id: {caller?.Url} operation: {operation} verb: {httpVerb}");
    }

    private bool IsAllowed(CallerIdentity? caller, string operation, string httpVerb, bool isHttp)
    {
        var action = DefaultAction;
        if (caller is null || !_policies.TryGetValue(Key(caller.AppId, caller.Namespace), out var policy)) return IsAllow(action);
        if (policy.TrustDomain != caller.TrustDomain || policy.Namespace != caller.Namespace) return IsAllow(action);
        if (policy.DefaultAction.Length > 0) action = policy.DefaultAction;

        if (!operation.StartsWith('/')) operation = "/" + operation;
        if (isHttp) operation = operation.ToLowerInvariant();
        if (policy.Operations.Search(operation) is { } rule)
        {
            if (!isHttp) action = rule.Action;
            else if (httpVerb == Verbs.None) action = policy.DefaultAction;
            else if (rule.Verbs.TryGetValue(httpVerb, out var verbAction) || rule.Verbs.TryGetValue("*", out verbAction)) action = verbAction;
        }
        return IsAllow(action);
    }

    private static bool IsAllow(string action) => string.Equals(action, Allow, StringComparison.OrdinalIgnoreCase);

    private static string Key(string appId, string ns) => appId + "||" + ns;

    /// <summary>Go's <c>%v</c> of a string slice: <c>[a b]</c>.</summary>
    private static string GoList(List<string> items) => "[" + string.Join(' ', items) + "]";

    private sealed record AppPolicy(string DefaultAction, string TrustDomain, string Namespace, OperationTrie Operations);

    internal sealed record OperationAction(IReadOnlyDictionary<string, string> Verbs, string Action);

    /// <summary>The names of Dapr's <c>HTTPExtension.Verb</c>; any other verb is <c>NONE</c>, as daprd maps it.</summary>
    public static class Verbs
    {
        public const string None = "NONE";

        private static readonly HashSet<string> Known = new(StringComparer.Ordinal) { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" };

        public static string Of(string? method) => method?.ToUpperInvariant() is { } upper && Known.Contains(upper) ? upper : None;
    }

    /// <summary>
    /// The operations of one app policy by path segment (dapr/dapr <c>pkg/config/acl_trie.go</c>): a segment may hold
    /// <c>*</c> anywhere (any characters within the segment), <c>/*</c> matches one last segment, <c>/**</c> every rest,
    /// and a rule on a path covers the paths below it.
    /// </summary>
    internal sealed class OperationTrie
    {
        private const string SingleStage = "/*";
        private const string MultiStage = "/**";
        private readonly Node _root = new("/", null);

        public void Put(string operation, OperationAction action)
        {
            var parts = operation.Split('/');
            var node = _root;
            for (var i = 1; i < parts.Length; i++)
            {
                var segment = "/" + parts[i];
                var last = i == parts.Length - 1;
                var existing = node.Children.Find(c => c.Segment == segment);
                if (existing is null)
                {
                    var created = new Node(segment, last ? action : null);
                    node.Children.Add(created);
                    node = created;
                }
                else if (last)
                {
                    // The first rule written for an operation holds.
                    existing.Action ??= action;
                }
                else
                {
                    node = existing;
                }
            }
        }

        public OperationAction? Search(string operation)
        {
            var parts = operation.Split('/');
            Node? node = _root;
            for (var i = 1; i < parts.Length; i++)
            {
                var last = i == parts.Length - 1;
                node = Find(node!.Children, "/" + parts[i], last);
                if (node is null) return null;
                if (node.Action is not null)
                {
                    if (!last && node.Segment.EndsWith(SingleStage, StringComparison.Ordinal) && !node.Segment.EndsWith(MultiStage, StringComparison.Ordinal)) continue;
                    return node.Action;
                }
                if (last) return Find(node.Children, SingleStage, true) is { Action: { } wildcard } ? wildcard : null;
            }
            return null;
        }

        private static Node? Find(List<Node> nodes, string segment, bool last)
        {
            foreach (var node in nodes)
            {
                if (node.Segment == segment) return node;
                if (node.Segment == SingleStage)
                {
                    if (last) return node;
                    continue;
                }
                if (node.Segment == MultiStage || IsMatch(segment, node.Segment)) return node;
            }
            return null;
        }

        /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/>, where <c>*</c> stands for any characters (none too).</summary>
        private static bool IsMatch(string text, string pattern)
        {
            var match = new bool[text.Length + 1, pattern.Length + 1];
            match[0, 0] = true;
            for (var j = 1; j <= pattern.Length && pattern[j - 1] == '*'; j++) match[0, j] = true;
            for (var i = 1; i <= text.Length; i++)
            {
                for (var j = 1; j <= pattern.Length; j++)
                {
                    if (pattern[j - 1] == '*') match[i, j] = match[i, j - 1] || match[i - 1, j];
                    else if (text[i - 1] == pattern[j - 1]) match[i, j] = match[i - 1, j - 1];
                }
            }
            return match[text.Length, pattern.Length];
        }

        private sealed class Node(string segment, OperationAction? action)
        {
            public string Segment { get; } = segment;

            public OperationAction? Action { get; set; } = action;

            public List<Node> Children { get; } = [];
        }
    }
}

/// <summary>
/// The method name as daprd normalises it before access control and dispatch (dapr/dapr <c>pkg/messaging/method</c>
/// <c>NormalizeMethod</c>): <c>#</c>, <c>?</c>, NUL and control characters are refused, then Go's <c>path.Clean</c>
/// resolves dot segments and repeated slashes (leading <c>../</c> of a relative name dropped; <c>.</c> is empty).
/// </summary>
public static class MethodName
{
    public static string? Normalize(string method, out string? error)
    {
        error = null;
        foreach (var c in method)
        {
            if (c is '#' or '?' or '\0' || c < 0x20 || c == 0x7f)
            {
                error = c is '#' or '?' or '\0'
                    ? $"method contains forbidden character: {GoQuote(method)}"
                    : $"method contains control character at position {Encoding.UTF8.GetByteCount(method.AsSpan(0, method.IndexOf(c, StringComparison.Ordinal)))}: {GoQuote(method)}";
                return null;
            }
        }
        var cleaned = method.Length == 0 ? "." : CleanPath.Clean(method);
        while (cleaned.StartsWith("../", StringComparison.Ordinal)) cleaned = cleaned[3..];
        return cleaned is ".." or "." ? "" : cleaned;
    }

    /// <summary>Go's <c>%q</c> for the common cases (quotes, backslashes and control characters escaped).</summary>
    private static string GoQuote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\x00",
                _ when c < 0x20 || c == 0x7f => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return quoted.Append('"').ToString();
    }
}
