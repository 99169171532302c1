using Microsoft.Extensions.Time.Testing;
using Mtaeda.Identification.Infrastructure;

namespace Mtaeda.Identification.Tests;

/// <summary>The matching rules (thresholds, ties, the empty list) on both matchers, and the template rules.</summary>
public sealed class MatchingTests
{
    private const int Dimensions = 64;
    private static readonly MatchPolicy Policy = new(OffenderThreshold: 0.8f, PassengerThreshold: 0.9f);

    public static TheoryData<string> Matchers => ["exact", "hnsw", "signcode", "lsh"];

    private static IMatcher Make(string kind) => kind switch
    {
        "exact" => new ExactMatcher(Dimensions),
        "hnsw" => new HnswMatcher(Dimensions),
        "lsh" => new MultiProbeLshMatcher(Dimensions),
        _ => new SignCodeMatcher(Dimensions),
    };

    /// <summary>A unit vector with cosine <paramref name="similarity"/> to the axis <paramref name="axis"/>, leaning towards <paramref name="other"/>.</summary>
    internal static float[] Towards(int axis, float similarity, int other, int dimensions = Dimensions)
    {
        var v = new float[dimensions];
        v[axis] = similarity;
        v[other] = MathF.Sqrt(1 - similarity * similarity);
        return v;
    }

    internal static float[] Axis(int axis, int dimensions = Dimensions)
    {
        var v = new float[dimensions];
        v[axis] = 1;
        return v;
    }

    private static PersonRef Offender(string id) => new(PersonKind.Offender, id);

    private static PersonRef Passenger(string id) => new(PersonKind.Passenger, id);

    [Theory]
    [MemberData(nameof(Matchers))]
    public void An_empty_list_matches_no_one(string kind)
    {
        var matcher = Make(kind);
        Assert.Null(Policy.Identify(matcher, Axis(0)));
        Assert.Empty(matcher.Nearest(Axis(0), 8));
        matcher.Put(Offender("o-1"), [new StoredTemplate("t", Axis(0))]);
        matcher.Remove(Offender("o-1"));
        Assert.Equal(0, matcher.Count);
        Assert.Null(Policy.Identify(matcher, Axis(0)));
    }

    [Theory]
    [MemberData(nameof(Matchers))]
    public void A_capture_matches_at_its_kinds_threshold_and_not_below(string kind)
    {
        var matcher = Make(kind);
        matcher.Put(Offender("o-1"), [new StoredTemplate("t", Axis(0))]);
        matcher.Put(Passenger("p-1"), [new StoredTemplate("t", Axis(1))]);

        Assert.Equal(Offender("o-1"), Policy.Identify(matcher, Towards(0, 0.81f, 5))?.Person);
        Assert.Null(Policy.Identify(matcher, Towards(0, 0.79f, 5)));
        // 0.85 is enough for an offender, not for a passenger.
        Assert.Equal(Passenger("p-1"), Policy.Identify(matcher, Towards(1, 0.91f, 5))?.Person);
        Assert.Null(Policy.Identify(matcher, Towards(1, 0.85f, 5)));
    }

    [Theory]
    [MemberData(nameof(Matchers))]
    public void The_most_similar_person_wins_and_their_best_template_counts(string kind)
    {
        var matcher = Make(kind);
        matcher.Put(Offender("o-1"), [new StoredTemplate("a", Towards(0, 0.85f, 2)), new StoredTemplate("b", Towards(0, 0.99f, 3))]);
        matcher.Put(Offender("o-2"), [new StoredTemplate("a", Towards(0, 0.9f, 4))]);
        var match = Policy.Identify(matcher, Axis(0));
        Assert.NotNull(match);
        Assert.Equal(("o-1", "b"), (match.Person.Id, match.TemplateId));
        Assert.Equal(0.99f, match.Similarity, 2); // 16-bit storage
    }

    [Fact]
    public void Ties_go_to_an_offender_before_a_passenger_then_to_the_smaller_id()
    {
        Candidate C(PersonRef p, float s) => new(p, "t", s);
        Assert.Equal(Offender("o-2"), Policy.Decide([C(Passenger("p-1"), 0.95f), C(Offender("o-2"), 0.95f)])?.Person);
        Assert.Equal(Offender("o-1"), Policy.Decide([C(Offender("o-2"), 0.95f), C(Offender("o-1"), 0.95f)])?.Person);
        Assert.Equal(Passenger("p-1"), Policy.Decide([C(Passenger("p-2"), 0.95f), C(Passenger("p-1"), 0.95f), C(Offender("o-1"), 0.7f)])?.Person);
        Assert.Null(Policy.Decide([]));
        Assert.Null(Policy.Decide([C(Offender("o-1"), float.NaN)]));
    }

    [Fact]
    public void Both_matchers_agree_on_identical_templates_ties_included()
    {
        // Two people holding the same template: both matchers see the same similarity, and the policy picks the same one.
        foreach (var kind in new[] { "exact", "hnsw", "signcode" })
        {
            var matcher = Make(kind);
            matcher.Put(Offender("o-b"), [new StoredTemplate("t", Axis(3))]);
            matcher.Put(Offender("o-a"), [new StoredTemplate("t", Axis(3))]);
            matcher.Put(Passenger("p-a"), [new StoredTemplate("t", Axis(3))]);
            Assert.Equal(Offender("o-a"), Policy.Identify(matcher, Axis(3))?.Person);
        }
    }

    [Theory]
    [MemberData(nameof(Matchers))]
    public void Put_replaces_a_persons_templates_and_remove_forgets_them(string kind)
    {
        var matcher = Make(kind);
        matcher.Put(Offender("o-1"), [new StoredTemplate("a", Axis(0)), new StoredTemplate("b", Axis(1))]);
        Assert.Equal(2, matcher.Count);
        matcher.Put(Offender("o-1"), [new StoredTemplate("c", Axis(2))]);
        Assert.Equal(1, matcher.Count);
        Assert.Null(Policy.Identify(matcher, Axis(0)));
        Assert.Equal("c", Policy.Identify(matcher, Axis(2))?.TemplateId);
        Assert.True(matcher.Remove(Offender("o-1")));
        Assert.False(matcher.Remove(Offender("o-1")));
        Assert.Null(Policy.Identify(matcher, Axis(2)));
    }

    [Theory]
    [MemberData(nameof(Matchers))]
    public void A_template_or_capture_of_another_length_is_refused_and_changes_nothing(string kind)
    {
        var matcher = Make(kind);
        matcher.Put(Offender("o-1"), [new StoredTemplate("a", Axis(0))]);

        // One wrong template refuses the whole batch, before anything is replaced.
        var refused = Assert.Throws<ArgumentException>(() => matcher.PutMany(
            [(Offender("o-1"), [new StoredTemplate("b", Axis(1))]), (Offender("o-2"), [new StoredTemplate("short", new float[Dimensions - 1])])]));
        Assert.Contains("template short has 63 values, not 64", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => matcher.Nearest(new float[Dimensions + 1], 1));

        Assert.Equal(1, matcher.Count);
        Assert.Equal("a", Policy.Identify(matcher, Axis(0))?.TemplateId);
        Assert.Empty(matcher.Nearest(Axis(0), 0));
        // Several people at once, one of them with no templates: they are put, it is removed.
        matcher.PutMany([(Offender("o-1"), []), (Passenger("p-1"), [new StoredTemplate("p", Axis(2)), new StoredTemplate("q", Axis(3))])]);
        Assert.Equal(2, matcher.Count);
        Assert.Null(Policy.Identify(matcher, Axis(0)));
        Assert.Equal(Passenger("p-1"), Policy.Identify(matcher, Axis(3))?.Person);
    }

    [Fact]
    public void The_index_finds_what_exact_search_finds_for_noisy_captures_of_listed_people()
    {
        const int dimensions = 128, people = 2000;
        var random = new Random(3);
        IMatcher exact = new ExactMatcher(dimensions);
        using var hnsw = new HnswMatcher(dimensions, new HnswSettings { Quantization = HnswQuantization.Float32 });
        var templates = Enumerable.Range(0, people).Select(_ => Faces.Unit(random, dimensions)).ToArray();
        var list = templates.Select((t, i) => (Faces.Person(i), (IReadOnlyList<StoredTemplate>)[new StoredTemplate("t", t)])).ToList();
        exact.PutMany(list);
        hnsw.PutMany(list);
        var agree = 0;
        for (var q = 0; q < 200; q++)
        {
            var query = Faces.Noisy(random, templates[random.Next(people)], similarity: 0.93);
            if (Policy.Identify(exact, query)?.Person == new MatchPolicy(0.5f, 0.5f).Identify(hnsw, query)?.Person) agree++;
        }
        Assert.True(agree >= 198, $"the index agreed with exact search on {agree} of 200 captures");
    }

    [Fact]
    public void Templates_of_the_wrong_length_not_normalised_or_not_finite_are_refused_naming_the_rule()
    {
        Assert.Null(FaceTemplateRule.Problem(Axis(0), Dimensions));
        Assert.Equal("is required", FaceTemplateRule.Problem([], Dimensions));
        Assert.Contains("exactly 64 values, not 3", FaceTemplateRule.Problem([1, 0, 0], Dimensions), StringComparison.Ordinal);
        var half = Axis(0);
        half[0] = 0.5f;
        Assert.Contains("L2-normalised", FaceTemplateRule.Problem(half, Dimensions), StringComparison.Ordinal);
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var v = Axis(0);
            v[7] = bad;
            Assert.Contains("finite", FaceTemplateRule.Problem(v, Dimensions), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_capture_id_is_refused_twice_within_the_window_and_forgotten_after_it()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var recent = new RecentCaptures(TimeSpan.FromMinutes(10), capacity: 3, time);
        Assert.True(recent.TryAdd("ts-1.c1"));
        Assert.False(recent.TryAdd("ts-1.c1"));
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.True(recent.TryAdd("ts-1.c1"));
        // Over capacity: the oldest is forgotten first.
        Assert.True(recent.TryAdd("ts-1.c2"));
        Assert.True(recent.TryAdd("ts-1.c3"));
        Assert.True(recent.TryAdd("ts-1.c4"));
        Assert.True(recent.TryAdd("ts-1.c1"));
        Assert.False(recent.TryAdd("ts-1.c4"));
    }
}
