namespace Therese.TinyGguf;

/// <summary>
/// The text whose byte pairs the tiny model imitates, so that its answers look like French babble with accents,
/// guillemets and narrow no-break spaces (two- and three-byte UTF-8 characters) rather than random bytes.
/// No character here ends with the byte 0x80, the only middle byte of its three-byte characters: a byte pair
/// model then never chains the bytes of two characters into an invalid sequence.
/// </summary>
internal static class FrenchSample
{
    public const string Text = """
        Bonjour, je suis THÉRÈSE, l’assistante des petites entreprises, des mairies et des associations.
        Je réponds en français, avec clarté et concision. Voici ce que je peux faire pour vous :
        rédiger un courrier, préparer une réunion, résumer un procès-verbal ou relire un budget.
        La trésorière de l’association prépare le bilan de l’année ; le maire présente le projet au conseil municipal.
        « Une idée claire vaut mieux qu’un long discours », disait ma grand-mère, qui tenait l’épicerie du village.
        Pour créer votre entreprise, il faut d’abord choisir un statut : micro-entreprise, société ou association.
        Ensuite, déclarez votre activité, ouvrez un compte bancaire et préparez vos premières factures.
        Chaque été, la fête du village réunit les bénévoles ; ils installent les tables sur la place de l’église.
        Être à l’écoute, répondre vite, garder une trace écrite : ce sont les clés d’un service de qualité.
        Où en est le dossier ? Il manque la signature du président et le relevé d’identité bancaire.
        Ça avance bien ! Nous aurons bientôt une réponse de la préfecture, peut-être dès la semaine prochaine.
        Le cœur du projet reste le même : aider chacun à faire mieux, plus simplement, sans perdre de temps.
        Les élèves de l’école ont visité le château ; ils ont goûté les crêpes et la brioche de la boulangère.
        Noël approche : la mairie décore la façade, et l’association des commerçants prépare un marché.
        Pensez à sauvegarder vos données, à vérifier vos contrats et à noter les échéances dans un agenda partagé.
        """;
}
